//! After signing in with a recovery code, on the record's screens (in the record's download, so
//! the first download does not carry it): how many codes are left, and where to make more or set
//! up a new phone, until the person says they have read it.

use crate::session::Session;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn RecoveryCodeNotice() -> impl IntoView {
    let session = Session::expect();
    move || {
        session.recovery_codes_left.get().map(|left| {
            view! {
                <div class="notification-banner" role="status">
                    <p>{recovery_notice(left)}</p>
                    <p>
                        <A href="/account" on:click=move |_| session.recovery_codes_left.set(None)>"Go to your account"</A>
                        " "
                        <button type="button" class="link-button" on:click=move |_| session.recovery_codes_left.set(None)>"Hide this message"</button>
                    </p>
                </div>
            }
        })
    }
}

fn recovery_notice(left: u32) -> String {
    let left = match left {
        0 => "You have no recovery codes left".to_string(),
        1 => "You have 1 recovery code left".to_string(),
        n => format!("You have {n} recovery codes left"),
    };
    format!(
        "You signed in with a recovery code. That code will not work again. {left}. If you have a new phone, or are running out of codes, you can set things up again in Your account."
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn after_a_recovery_code_the_notice_counts_what_is_left() {
        assert!(super::recovery_notice(9).contains("You have 9 recovery codes left."));
        assert!(super::recovery_notice(1).contains("You have 1 recovery code left."));
        assert!(super::recovery_notice(0).contains("no recovery codes left"));
    }
}
