//! Start-up (the portal description; the session is checked alongside), the page frame, the
//! routes and the one guard in front of them.

use crate::api::{self, types::PortalInfo};
use crate::chunks::{
    Account, AccountScreen as A, Messages, MessagesScreen as M, People, PeopleScreen as P, Privacy,
    PrivacyScreen as V, Record, RecordScreen as R, Sharing,
};
use crate::components::idle::IdleWatcher;
use crate::components::load::{Load, LoadFailure, Loading, load_into};
use crate::components::notices::Footer;
use crate::features::sign_in::SignInPage;
use crate::features::terms::TermsPage;
use crate::route_guard::{Area, Decision, decide, record_path};
use crate::session::{Ended, Portal, Session};
use leptos::prelude::*;
use leptos_router::components::{A, ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::hooks::use_location;
use leptos_router::path;
use std::sync::Arc;
use wasm_bindgen::JsCast;

pub fn start() {
    let Some(root) = document()
        .get_element_by_id("app")
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    else {
        return;
    };
    // The page's own loading message gives way to the app's.
    root.set_text_content(None);
    leptos::mount::mount_to(root, App).forget();
}

#[component]
fn App() -> impl IntoView {
    let state = RwSignal::new(Load::Loading);
    let retry = load_into(state, api::portal_info);
    move || match state.get() {
        Load::Loading => view! {
            <main id="main" class="width-container">
                <Loading what="Loading your patient portal…"/>
            </main>
        }
        .into_any(),
        Load::Failed(error) => view! {
            <main id="main" class="width-container">
                <h1>"The patient portal is not available"</h1>
                <LoadFailure error retry/>
            </main>
        }
        .into_any(),
        Load::Ready(info) => view! { <PortalApp info/> }.into_any(),
    }
}

/// The app proper, drawn as soon as the portal's description is in; whether someone is signed
/// in is still being checked (the sign-in form does not wait for that, other screens do).
#[component]
fn PortalApp(info: PortalInfo) -> impl IntoView {
    apply_branding(&info);
    provide_context(Portal(Arc::new(info)));
    let session = Session::new();
    provide_context(session);
    session.check();
    api::on_session_ended(move || session.end(Ended::Expired));
    view! {
        <Router>
            <Header/>
            <main id="main" class="width-container" tabindex="-1">
                <Show
                    when=move || !session.leaving.get()
                    fallback=move || view! { <SigningOut session/> }
                >
                    <Routes fallback=NotFound>
                        <Route path=path!("/") view=|| view! { <Guard area=Area::Home/> }/>
                        <Route path=path!("/sign-in") view=|| view! { <Guard area=Area::SignIn><SignInPage/></Guard> }/>
                        <Route path=path!("/terms") view=|| view! { <Guard area=Area::Terms><TermsPage/></Guard> }/>
                        <Route path=path!("/record") view=|| view! { <Guard area=Area::Record><Record screen=R::Choose/></Guard> }/>
                        <Route path=path!("/record/:section") view=|| view! { <Guard area=Area::Record><Record screen=R::Choose/></Guard> }/>
                        <ParentRoute path=path!("/record/:patient") view=|| view! { <Guard area=Area::Record><Record screen=R::Layout/></Guard> }>
                            <Route path=path!(":section") view=|| view! { <Record screen=R::Section/> }/>
                        </ParentRoute>
                        <Route path=path!("/shares/:patient") view=|| view! { <Guard area=Area::Record><Sharing/></Guard> }/>
                        <Route path=path!("/shared") view=|| view! { <Guard area=Area::Shared><Record screen=R::OpenShare/></Guard> }/>
                        <ParentRoute path=path!("/shared/:patient") view=|| view! { <Guard area=Area::Shared><Record screen=R::Shared/></Guard> }>
                            <Route path=path!(":section") view=|| view! { <Record screen=R::Section/> }/>
                        </ParentRoute>
                        <Route path=path!("/messages") view=|| view! { <Guard area=Area::Record><Messages screen=M::Choose/></Guard> }/>
                        <Route path=path!("/messages/:patient") view=|| view! { <Guard area=Area::Record><Messages screen=M::Inbox/></Guard> }/>
                        // Before a conversation's `:conversation`: the first route that matches wins.
                        <Route path=path!("/messages/:patient/new") view=|| view! { <Guard area=Area::Record><Messages screen=M::Ask/></Guard> }/>
                        <Route path=path!("/messages/:patient/:conversation") view=|| view! { <Guard area=Area::Record><Messages screen=M::Conversation/></Guard> }/>
                        <Route path=path!("/account") view=|| view! { <Guard area=Area::Record><Account screen=A::Settings/></Guard> }/>
                        <Route path=path!("/account/two-step") view=|| view! { <Guard area=Area::TwoStep><Account screen=A::TwoStep/></Guard> }/>
                        // Before the privacy centre's `:patient`: the first route that matches wins.
                        <Route path=path!("/people") view=|| view! { <Guard area=Area::Record><People screen=P::WhoCanSee/></Guard> }/>
                        <Route path=path!("/privacy/:patient") view=|| view! { <Guard area=Area::Record><Privacy screen=V::Centre/></Guard> }/>
                        <Route path=path!("/privacy/:patient/log") view=|| view! { <Guard area=Area::Record><Privacy screen=V::Log/></Guard> }/>
                        <Route path=path!("/privacy/:patient/choices") view=|| view! { <Guard area=Area::Record><Privacy screen=V::Choices/></Guard> }/>
                        <Route path=path!("/invitation") view=|| view! { <Guard area=Area::Invitation><People screen=P::AcceptInvitation/></Guard> }/>
                    </Routes>
                </Show>
            </main>
            <Footer/>
            {move || session.info.get().is_some().then(|| view! { <IdleWatcher/> })}
        </Router>
    }
}

/// Shows an area only to whom `route_guard::decide` lets in; follows the session as it changes
/// (signing in, accepting the terms), so no screen sends anyone on by itself.
#[component]
fn Guard(
    area: Area,
    /// None for an area that only ever sends the visitor on.
    #[prop(optional)]
    children: Option<ChildrenFn>,
) -> impl IntoView {
    let session = Session::expect();
    let location = use_location();
    // Follows the session only: the address is read as it is when the session changes. Tracking
    // it too would re-decide while a redirect is under way, from the address being left.
    let decision = Memo::new(move |_| {
        let visitor = session.visitor();
        let here = format!(
            "{}{}",
            location.pathname.get_untracked(),
            location.search.get_untracked()
        );
        let next = location.query.with_untracked(|q| q.get("next"));
        decide(area, visitor, &here, next.as_deref())
    });
    let retry = Callback::new(move |()| session.check());
    move || match decision.get() {
        Decision::Show => children.as_ref().map(|c| c()).into_any(),
        Decision::GoTo(path) => view! { <Redirect path/> }.into_any(),
        Decision::Wait => match session.checked.get() {
            Load::Failed(error) => view! {
                <h1>"The patient portal is not available"</h1>
                <LoadFailure error retry/>
            }
            .into_any(),
            _ => view! { <Loading what="Loading your patient portal…"/> }.into_any(),
        },
    }
}

/// While the portal has not confirmed the sign-out, the person is told to close the window,
/// which ends the session cookie whatever the network does.
#[component]
fn SigningOut(session: Session) -> impl IntoView {
    move || {
        if session.sign_out_unconfirmed.get() {
            view! {
                <div class="error-callout" role="alert">
                    <h1>"Signing out did not finish: close this browser window"</h1>
                    <p>"We could not reach the portal to sign you out. Close this browser window now, so no one else can see your record on this device."</p>
                    <p>"We will keep trying to sign you out while this page is open."</p>
                </div>
            }
            .into_any()
        } else {
            view! { <Loading what="Signing you out…"/> }.into_any()
        }
    }
}

/// The hospital's name and colours, and its own wording of the emergency notice that the page
/// already shows (set as text, never as markup).
fn apply_branding(info: &PortalInfo) {
    let doc = document();
    if let Some(text) = doc.get_element_by_id("emergency-text")
        && !info.emergency.text.is_empty()
    {
        text.set_text_content(Some(&info.emergency.text));
    }
    if let (Some(theme), Some(root)) = (&info.theme, doc.document_element())
        && let Some(root) = root.dyn_ref::<web_sys::HtmlElement>()
    {
        for (property, colour) in [
            ("--brand", &theme.primary_colour),
            ("--on-brand", &theme.on_primary_colour),
        ] {
            if is_hex_colour(colour) {
                let _ = root.style().set_property(property, colour);
            }
        }
    }
    if let Some(html) = doc.document_element().filter(|_| !info.locale.is_empty()) {
        let _ = html.set_attribute("lang", &info.locale);
    }
}

fn is_hex_colour(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].chars().all(|c| c.is_ascii_hexdigit())
}

#[component]
fn Header() -> impl IntoView {
    let info = Portal::expect();
    let session = Session::expect();
    let logo = info
        .organization
        .logo_url
        .as_deref()
        .and_then(api::address::same_origin_or_https);
    let name = info.organization.name.clone();
    view! {
        <header class="site-header">
            <div class="width-container header-row">
                <a class="org" href="/">
                    {logo.map(|src| view! { <img src=src alt="" class="logo"/> })}
                    <span class="org-name">{name}</span>
                    <span class="portal-name">"Patient portal"</span>
                </a>
                {move || session.info.get().map(|s| view! {
                    <div class="account">
                        <RecordSwitcher/>
                        <span class="signed-in-as">"Signed in as " <bdi>{s.user.display_name}</bdi></span>
                        <MessagesLink/>
                        <A href="/account" attr:class="header-link">"Your account"</A>
                        <button type="button" class="button header-button" on:click=move |_| session.end(Ended::SignedOut)>
                            "Sign out"
                        </button>
                    </div>
                })}
            </div>
        </header>
    }
}

/// "Messages", with how many replies are unread: asked again on every move within the app and
/// once a conversation is opened, so a reply read or arrived shows.
#[component]
fn MessagesLink() -> impl IntoView {
    let location = use_location();
    let session = Session::expect();
    let unread = RwSignal::new(0u32);
    Effect::new(move |_| {
        location.pathname.track();
        session.messages_read.track();
        leptos::task::spawn_local(async move {
            if let Ok(n) = api::messages::unread().await
                && !unread.is_disposed()
            {
                unread.set(n);
            }
        });
    });
    // The record open now, if one is: a carer's messages are about whoever they are looking at.
    let href = move || {
        session.patient.with(|p| match p {
            Some(p) if p.shared.is_none() => crate::route_guard::messages_path(&p.id, ""),
            _ => "/messages".into(),
        })
    };
    view! {
        // A plain link (the router still follows it in the page): `A` with an address that
        // changes would cost the first download a copy of itself.
        <a href=href class="header-link messages-link">
            "Messages "
            // One text each, changed in place: nested views would each cost a renderer of their own.
            <span class="badge" class:none=move || unread.get() == 0>{move || unread.get()}</span>
            <span class="visually-hidden">{move || match unread.get() {
                0 => "",
                1 => " unread reply",
                _ => " unread replies",
            }}</span>
        </a>
    }
}

/// Whose record is open, and everyone else's one tap away: for people who act for others. The
/// names are put in the page only while the menu is open, so nothing of one person is in the page
/// while another's record is shown.
#[component]
fn RecordSwitcher() -> impl IntoView {
    let session = Session::expect();
    let menu: NodeRef<leptos::html::Details> = NodeRef::new();
    let open = RwSignal::new(false);
    let location = use_location();
    // Choosing a record closes the menu.
    Effect::new(move |_| {
        location.pathname.track();
        if let Some(m) = menu.get_untracked() {
            m.set_open(false);
        }
    });
    let toggled = move |_| open.set(menu.get_untracked().is_some_and(|m| m.open()));
    move || {
        session.people.with(|p| p.as_ref().is_some_and(|p| p.len() > 1)).then(|| view! {
            <details class="switcher" node_ref=menu on:toggle=toggled>
                <summary>"Switch record"</summary>
                {move || open.get().then(|| {
                    let current = session.patient.with(|p| p.as_ref().map(|p| p.id.clone()));
                    view! {
                        <ul>
                            {session.people.get().unwrap_or_default().into_iter().map(|p| {
                                let here = current.as_deref() == Some(p.id.as_str());
                                let label = if p.is_own() { format!("{} (you)", p.name) } else { p.name.clone() };
                                view! {
                                    <li><A href=record_path(&p.id, "summary") attr:aria-current=here.then_some("true")>
                                        <bdi>{label}</bdi>
                                    </A></li>
                                }
                            }).collect_view()}
                        </ul>
                    }
                })}
            </details>
        })
    }
}

#[component]
pub(crate) fn NotFound() -> impl IntoView {
    view! {
        <h1>"Page not found"</h1>
        <p>"If you typed the web address, check it is correct."</p>
        <p><a href="/">"Go to the start page"</a></p>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn accepts_only_plain_hex_colours() {
        assert!(super::is_hex_colour("#005eb8"));
        assert!(!super::is_hex_colour("red"));
        assert!(!super::is_hex_colour("#005eb8; background:url(x)"));
    }
}
