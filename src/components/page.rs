//! Each screen's heading: names the page in the title bar, and after an in-app move takes focus,
//! so screen readers announce the new screen as they would a new page.

use crate::session::Portal;
use leptos::html::H1;
use leptos::prelude::*;
use std::cell::Cell;

thread_local! {
    /// The first screen after a load leaves focus where the browser put it (at the top, so the
    /// emergency notice is met first).
    static FIRST_SCREEN: Cell<bool> = const { Cell::new(true) };
}

#[component]
pub fn PageHeading(#[prop(into)] text: String) -> impl IntoView {
    let org = Portal::expect().organization.name.clone();
    document().set_title(&format!("{text} – {org} patient portal"));
    let heading: NodeRef<H1> = NodeRef::new();
    Effect::new(move |_| {
        if let Some(h) = heading.get()
            && !FIRST_SCREEN.with(|f| f.replace(false))
        {
            let _ = h.focus();
        }
    });
    view! { <h1 node_ref=heading tabindex="-1">{text}</h1> }
}
