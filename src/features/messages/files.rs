//! Files on messages. While writing: the browser's own file chooser, each file sent to the
//! portal as it is chosen (so it is kept with the draft, never in the browser), the files added
//! with Remove, and why one could not be added. On a message sent: each file as a download,
//! never shown in the page.

use super::model::{self, FileLink};
use crate::api::address::same_origin_path;
use crate::api::messages;
use crate::api::types::{FileRules, MessageFile};
use crate::fhir::plain_text;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The files on what is being written, and those still on their way to the portal.
#[derive(Clone, Copy)]
pub struct DraftFiles {
    pub added: RwSignal<Vec<MessageFile>>,
    /// The names of files being sent to the portal now.
    pub adding: RwSignal<Vec<String>>,
}

impl DraftFiles {
    pub fn new(added: Vec<MessageFile>) -> Self {
        Self {
            added: RwSignal::new(added),
            adding: RwSignal::new(Vec::new()),
        }
    }

    /// The files went with the message that was sent: none is left on the draft.
    pub fn sent(self) {
        self.added.set(Vec::new());
    }

    /// Why the message must wait, while a file is still on its way.
    pub fn still_adding(self) -> Option<String> {
        let names = self.adding.get_untracked();
        (!names.is_empty()).then(|| {
            format!(
                "Wait a moment: {} is still being added. Then press send again.",
                names.join(", ")
            )
        })
    }
}

#[component]
pub fn FilePicker(
    patient: String,
    /// The draft's place: `new`, or a conversation's id.
    place: String,
    files: DraftFiles,
    rules: FileRules,
) -> impl IntoView {
    if rules.max_files == 0 {
        return None;
    }
    let problem = RwSignal::new(None::<String>);
    let input = NodeRef::<leptos::html::Input>::new();
    let accept = rules.types.join(",");
    let hint = model::files_hint(&rules);
    let patient = StoredValue::new(patient);
    let place = StoredValue::new(place);
    let chosen = move |_| {
        let Some(element) = input.get() else {
            return;
        };
        let picked: Vec<web_sys::File> = element
            .files()
            .map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect())
            .unwrap_or_default();
        // Cleared, so the same file can be chosen again after it was refused or removed.
        element.set_value("");
        problem.set(None);
        for file in picked {
            let name = plain_text(&file.name());
            let on_draft =
                files.added.with_untracked(Vec::len) + files.adding.with_untracked(Vec::len);
            if let Some(why) =
                model::file_problem(&name, file.size() as u64, &file.type_(), on_draft, &rules)
            {
                problem.set(Some(why));
                continue;
            }
            files.adding.update(|a| a.push(name.clone()));
            spawn_local(async move {
                let outcome =
                    messages::add_file(&patient.get_value(), &place.get_value(), file).await;
                if files.added.is_disposed() {
                    return;
                }
                files.adding.update(|a| {
                    if let Some(i) = a.iter().position(|n| *n == name) {
                        a.remove(i);
                    }
                });
                match outcome {
                    Ok(added) => files.added.update(|l| l.push(added)),
                    Err(e) => problem.set(Some(format!("{name} was not added. {}", e.message()))),
                }
            });
        }
    };
    let remove = move |id: String, name: String| {
        spawn_local(async move {
            let outcome = messages::remove_file(&patient.get_value(), &id).await;
            if files.added.is_disposed() {
                return;
            }
            match outcome {
                Ok(()) => files.added.update(|l| l.retain(|f| f.id != id)),
                Err(e) => problem.set(Some(format!("{name} was not removed. {}", e.message()))),
            }
        });
    };
    Some(view! {
        <div class="form-group file-picker">
            <label class="label" for="message-files">"Add a photo or document (optional)"</label>
            <p class="hint" id="message-files-hint">{hint}</p>
            {move || problem.get().map(|p| view! { <p class="field-error" role="alert">{p}</p> })}
            <input type="file" id="message-files" multiple accept=accept node_ref=input
                aria-describedby="message-files-hint" on:change=chosen/>
            <ul class="file-list" aria-live="polite">
                {move || files.added.get().into_iter().map(|f| {
                    let label = format!("Remove {}", f.name);
                    let (id, name) = (f.id.clone(), f.name.clone());
                    view! {
                        <li>
                            <span class="file-name"><bdi>{f.name.clone()}</bdi></span>
                            <span class="hint">{model::size_words(f.size)}</span>
                            <button type="button" class="link-button" aria-label=label
                                on:click=move |_| remove(id.clone(), name.clone())>"Remove"</button>
                        </li>
                    }
                }).collect_view()}
                {move || files.adding.get().into_iter().map(|name| view! {
                    <li class="hint">{format!("Adding {name}…")}</li>
                }).collect_view()}
            </ul>
        </div>
    })
}

/// The files on a message sent, as downloads from this portal only.
#[component]
pub fn FileDownloads(files: Vec<FileLink>) -> impl IntoView {
    (!files.is_empty()).then(|| {
        view! {
            <ul class="message-files">
                {files.into_iter().map(|f| {
                    let size = model::size_words(f.size);
                    match same_origin_path(&f.url) {
                        Some(href) => view! {
                            <li><a href=href download=f.name.clone()>"Download " <bdi>{f.name.clone()}</bdi>{format!(" ({size})")}</a></li>
                        }.into_any(),
                        None => view! {
                            <li><bdi>{f.name.clone()}</bdi>" (this file is not available in this portal)"</li>
                        }.into_any(),
                    }
                }).collect_view()}
            </ul>
        }
    })
}
