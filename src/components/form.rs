//! Form errors the way patients find them: a summary at the top that takes focus, each message
//! linked to its field, and the field itself marked.

use leptos::html::Div;
use leptos::prelude::*;

#[derive(Clone, Debug, PartialEq)]
pub struct FieldError {
    /// The `id` of the input the message is about, if it is about one.
    pub field: Option<&'static str>,
    pub message: String,
}

impl FieldError {
    pub fn on(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: Some(field),
            message: message.into(),
        }
    }

    pub fn general(message: impl Into<String>) -> Self {
        Self {
            field: None,
            message: message.into(),
        }
    }
}

pub fn error_for(errors: &[FieldError], field: &str) -> Option<String> {
    errors
        .iter()
        .find(|e| e.field == Some(field))
        .map(|e| e.message.clone())
}

fn focus_field(id: &str) {
    if let Some(el) = document().get_element_by_id(id)
        && let Ok(el) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el)
    {
        let _ = el.focus();
    }
}

#[component]
pub fn ErrorSummary(errors: RwSignal<Vec<FieldError>>) -> impl IntoView {
    let summary: NodeRef<Div> = NodeRef::new();
    Effect::new(move |_| {
        if !errors.get().is_empty()
            && let Some(s) = summary.get()
        {
            let _ = s.focus();
        }
    });
    move || {
        let list = errors.get();
        (!list.is_empty()).then(|| {
            view! {
                <div class="error-summary" role="alert" tabindex="-1" node_ref=summary aria-labelledby="error-summary-title">
                    <h2 id="error-summary-title">"There is a problem"</h2>
                    <ul>
                        {list
                            .into_iter()
                            .map(|e| match e.field {
                                Some(field) => view! {
                                    <li>
                                        <a href=format!("#{field}") on:click=move |ev| {
                                            ev.prevent_default();
                                            focus_field(field);
                                        }>{e.message}</a>
                                    </li>
                                }
                                .into_any(),
                                None => view! { <li>{e.message}</li> }.into_any(),
                            })
                            .collect_view()}
                    </ul>
                </div>
            }
        })
    }
}

/// A labelled text input bound to `value`, showing its error (if any) between label and box.
#[component]
pub fn TextField(
    id: &'static str,
    #[prop(into)] label: String,
    value: RwSignal<String>,
    errors: RwSignal<Vec<FieldError>>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] inputmode: Option<&'static str>,
    #[prop(default = false)] narrow: bool,
) -> impl IntoView {
    let error = move || error_for(&errors.get(), id);
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described_by = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if error().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="form-group" class:form-group-error=move || error().is_some()>
            <label for=id>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
            {move || error().map(|m| view! {
                <p class="field-error" id=error_id.clone()>
                    <span class="visually-hidden">"Error: "</span>
                    {m}
                </p>
            })}
            <input
                id=id
                name=id
                type=kind
                class="input"
                class:input-narrow=narrow
                autocomplete=autocomplete
                inputmode=inputmode
                spellcheck="false"
                autocapitalize="none"
                aria-invalid=move || error().is_some().then_some("true")
                aria-describedby=described_by
                bind:value=value
            />
        </div>
    }
}
