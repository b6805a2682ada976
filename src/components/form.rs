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

    /// A model's problems with a form, each on its field.
    pub fn each_on(problems: Vec<(&'static str, String)>) -> Vec<Self> {
        problems
            .into_iter()
            .map(|(field, message)| Self::on(field, message))
            .collect()
    }

    pub fn general(message: impl Into<String>) -> Self {
        Self {
            field: None,
            message: message.into(),
        }
    }
}

/// An authenticator app's 6-digit code as typed (spaces allowed), ready to send.
pub fn security_code(typed: &str) -> Option<String> {
    let digits: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    (digits.len() == 6 && digits.chars().all(|c| c.is_ascii_digit())).then_some(digits)
}

/// A code sent by email (an invitation, a new address) as typed, if it could be one: 12
/// letters and digits, any spacing or dashes.
pub fn looks_like_emailed_code(code: &str) -> bool {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).count() == 12
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " -".contains(c))
}

/// One @ with something either side and a dot after it: the portal checks it properly.
pub fn looks_like_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.contains('@')
                && !text.contains(char::is_whitespace)
        }
        None => false,
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
    /// Words, not a code or a name: spelling is checked and sentences start with a capital.
    #[prop(default = false)]
    prose: bool,
) -> impl IntoView {
    let error = move || error_for(&errors.get(), id);
    let described_by = described_by(id, hint.is_some(), errors, None);
    view! {
        <div class="form-group" class:form-group-error=move || error().is_some()>
            <FieldHead id label hint errors/>
            <input
                id=id
                name=id
                type=kind
                class="input"
                class:input-narrow=narrow
                autocomplete=autocomplete
                inputmode=inputmode
                spellcheck=if prose { "true" } else { "false" }
                autocapitalize=if prose { "sentences" } else { "none" }
                aria-invalid=move || error().is_some().then_some("true")
                aria-describedby=described_by
                bind:value=value
            />
        </div>
    }
}

/// A field's label, hint and error, each with the id its input's `aria-describedby` names.
#[component]
fn FieldHead(
    id: &'static str,
    label: String,
    hint: Option<&'static str>,
    errors: RwSignal<Vec<FieldError>>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    view! {
        <label for=id>{label}</label>
        {hint.map(|h| view! { <p class="hint" id=format!("{id}-hint")>{h}</p> })}
        {move || error_for(&errors.get(), id).map(|m| view! {
            <p class="field-error" id=error_id.clone()>
                <span class="visually-hidden">"Error: "</span>
                {m}
            </p>
        })}
    }
}

/// What describes a field: its hint, its error while it has one, and anything `more`.
fn described_by(
    id: &'static str,
    hint: bool,
    errors: RwSignal<Vec<FieldError>>,
    more: Option<String>,
) -> impl Fn() -> Option<String> + Clone {
    move || {
        let mut ids = Vec::new();
        if hint {
            ids.push(format!("{id}-hint"));
        }
        if error_for(&errors.get(), id).is_some() {
            ids.push(format!("{id}-error"));
        }
        ids.extend(more.clone());
        (!ids.is_empty()).then(|| ids.join(" "))
    }
}

/// A box for writing at length, with how much more it takes shown as the writer types.
#[component]
pub fn TextArea(
    id: &'static str,
    #[prop(into)] label: String,
    value: RwSignal<String>,
    errors: RwSignal<Vec<FieldError>>,
    #[prop(optional)] hint: Option<&'static str>,
    /// The most characters it takes: the count is shown, and said to screen readers once the
    /// writer pauses.
    max: usize,
    /// "You have 3,950 characters left", and whether that is over the limit.
    count: fn(&str, usize) -> (String, bool),
) -> impl IntoView {
    let error = move || error_for(&errors.get(), id);
    let count_id = format!("{id}-count");
    let described_by = described_by(id, hint.is_some(), errors, Some(count_id.clone()));
    let counted = Memo::new(move |_| value.with(|v| count(v, max)));
    // Said to screen readers a moment after typing stops, not on every key.
    let spoken = RwSignal::new(String::new());
    let pause = StoredValue::new(None::<leptos::leptos_dom::helpers::TimeoutHandle>);
    Effect::new(move |first: Option<()>| {
        counted.track();
        if first.is_some() {
            if let Some(h) = pause.get_value() {
                h.clear();
            }
            let handle = leptos::leptos_dom::helpers::set_timeout_with_handle(
                move || spoken.set(counted.get_untracked().0),
                std::time::Duration::from_millis(1500),
            )
            .ok();
            pause.set_value(handle);
        }
    });
    on_cleanup(move || {
        if let Some(h) = pause.try_get_value().flatten() {
            h.clear();
        }
    });
    view! {
        <div class="form-group" class:form-group-error=move || error().is_some()>
            <FieldHead id label hint errors/>
            <textarea
                id=id
                name=id
                class="textarea"
                rows="8"
                spellcheck="true"
                autocapitalize="sentences"
                aria-invalid=move || error().is_some().then_some("true")
                aria-describedby=described_by
                bind:value=value
            ></textarea>
            <p id=count_id class="hint character-count" class:over=move || counted.get().1 aria-hidden="true">
                {move || counted.get().0}
            </p>
            <p class="visually-hidden" aria-live="polite">{move || spoken.get()}</p>
        </div>
    }
}

/// One choice of several, as a fieldset of large radio buttons with a legend.
#[component]
pub fn Radios(
    /// Names the group; the first option's id (`{id}-0`) is where the error summary links.
    id: &'static str,
    #[prop(into)] legend: String,
    /// (value, label, hint)
    options: Vec<(String, String, Option<String>)>,
    value: RwSignal<String>,
    errors: RwSignal<Vec<FieldError>>,
) -> impl IntoView {
    let error = move || error_for(&errors.get(), id);
    let error_id = format!("{id}-error");
    view! {
        <div class="form-group" class:form-group-error=move || error().is_some()>
            <fieldset class="fieldset" aria-describedby=move || error().map(|_| format!("{id}-error"))>
                <legend class="legend">{legend}</legend>
                {move || error().map(|m| view! {
                    <p class="field-error" id=error_id.clone()>
                        <span class="visually-hidden">"Error: "</span>
                        {m}
                    </p>
                })}
                <div class="radios">
                    {options.into_iter().enumerate().map(|(i, (option, label, hint))| {
                        let input_id = if i == 0 { id.to_string() } else { format!("{id}-{i}") };
                        let hint_id = format!("{input_id}-hint");
                        let checked = option.clone();
                        view! {
                            <div class="radio">
                                <input type="radio" class="radio-input" id=input_id.clone() name=id value=option.clone()
                                    prop:checked=move || value.get() == checked
                                    aria-describedby=hint.as_ref().map(|_| hint_id.clone())
                                    on:change=move |_| value.set(option.clone())/>
                                <label class="radio-label" for=input_id>{label}</label>
                                {hint.map(|h| view! { <p class="hint radio-hint" id=hint_id>{h}</p> })}
                            </div>
                        }
                    }).collect_view()}
                </div>
            </fieldset>
        </div>
    }
}

/// A yes-or-no choice as one large checkbox.
#[component]
pub fn Checkbox(
    id: &'static str,
    #[prop(into)] label: String,
    #[prop(optional, into)] hint: Option<String>,
    value: RwSignal<bool>,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    view! {
        <div class="form-group checkbox">
            <input type="checkbox" class="checkbox-input" id=id name=id
                prop:checked=move || value.get()
                aria-describedby=hint.as_ref().map(|_| hint_id.clone())
                on:change=move |ev| value.set(event_target_checked(&ev))/>
            <label class="radio-label" for=id>{label}</label>
            {hint.map(|h| view! { <p class="hint radio-hint" id=hint_id.clone()>{h}</p> })}
        </div>
    }
}

/// Several choices of many, as a fieldset of large checkboxes with a legend.
#[component]
pub fn Checkboxes(
    /// Names the group; the first option's id (`{id}`) is where the error summary links.
    id: &'static str,
    #[prop(into)] legend: String,
    #[prop(optional, into)] hint: Option<String>,
    /// (value, label)
    options: Vec<(String, String)>,
    value: RwSignal<Vec<String>>,
    errors: RwSignal<Vec<FieldError>>,
) -> impl IntoView {
    let error = move || error_for(&errors.get(), id);
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described_by = {
        let hint_id = hint_id.clone();
        let has_hint = hint.is_some();
        move || {
            let mut ids = Vec::new();
            if has_hint {
                ids.push(hint_id.clone());
            }
            if error().is_some() {
                ids.push(format!("{id}-error"));
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="form-group" class:form-group-error=move || error().is_some()>
            <fieldset class="fieldset" aria-describedby=described_by>
                <legend class="legend">{legend}</legend>
                {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
                {move || error().map(|m| view! {
                    <p class="field-error" id=error_id.clone()>
                        <span class="visually-hidden">"Error: "</span>
                        {m}
                    </p>
                })}
                <div class="radios">
                    {options.into_iter().enumerate().map(|(i, (option, label))| {
                        let input_id = if i == 0 { id.to_string() } else { format!("{id}-{i}") };
                        let checked = option.clone();
                        view! {
                            <div class="checkbox">
                                <input type="checkbox" class="checkbox-input" id=input_id.clone() name=id value=option.clone()
                                    prop:checked=move || value.with(|v| v.contains(&checked))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        value.update(|v| {
                                            v.retain(|o| *o != option);
                                            if on {
                                                v.push(option.clone());
                                            }
                                        });
                                    }/>
                                <label class="radio-label" for=input_id>{label}</label>
                            </div>
                        }
                    }).collect_view()}
                </div>
            </fieldset>
        </div>
    }
}

/// A date people know by heart (a date of birth) as three boxes, day, month and year, in one
/// fieldset; the day box (`{id}-day`) is where the error summary links.
#[component]
pub fn DateInput(
    id: &'static str,
    #[prop(into)] legend: String,
    hint: &'static str,
    day: RwSignal<String>,
    month: RwSignal<String>,
    year: RwSignal<String>,
    errors: RwSignal<Vec<FieldError>>,
) -> impl IntoView {
    let day_id = format!("{id}-day");
    let key = day_id.clone();
    let error = move || {
        errors.with(|e| {
            e.iter()
                .find(|e| e.field == Some(key.as_str()))
                .map(|e| e.message.clone())
        })
    };
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described_by = {
        let (error_id, hint_id, error) = (error_id.clone(), hint_id.clone(), error.clone());
        move || match error() {
            Some(_) => format!("{hint_id} {error_id}"),
            None => hint_id.clone(),
        }
    };
    let has_error = error.clone();
    // Someone else's date of birth: never the browser's autofill of the viewer's own.
    let boxes = [
        (day_id, "Day", day, 2),
        (format!("{id}-month"), "Month", month, 2),
        (format!("{id}-year"), "Year", year, 4),
    ];
    view! {
        <div class="form-group" class:form-group-error=move || has_error().is_some()>
            <fieldset class="fieldset" role="group" aria-describedby=described_by>
                <legend class="legend">{legend}</legend>
                <p class="hint" id=hint_id.clone()>{hint}</p>
                {move || error().map(|m| view! {
                    <p class="field-error" id=error_id.clone()>
                        <span class="visually-hidden">"Error: "</span>
                        {m}
                    </p>
                })}
                <div class="date-input">
                    {boxes.into_iter().map(|(box_id, label, value, width)| view! {
                        <div class="date-input-item">
                            <label class="date-input-label" for=box_id.clone()>{label}</label>
                            <input id=box_id.clone() name=box_id class="input" class:input-width-2=width == 2
                                class:input-width-4=width == 4 type="text" inputmode="numeric"
                                autocomplete="off" bind:value=value/>
                        </div>
                    }).collect_view()}
                </div>
            </fieldset>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_security_code_is_six_digits_however_spaced() {
        assert_eq!(security_code(" 123 456 "), Some("123456".into()));
        for wrong in ["12345", "1234567", "12345a", "", "１２３４５６"] {
            assert_eq!(security_code(wrong), None, "{wrong}");
        }
    }
}
