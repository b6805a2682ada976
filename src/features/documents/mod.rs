//! The documents section: letters and reports, opened the safe way for their type.

pub mod model;

use crate::api;
use crate::components::download;
use crate::components::notices::AboutThisItem;
use crate::components::record_fetch::{RecordFetch, Search};
use crate::components::section::{DateText, Section, Words, entry_list, row};
use leptos::prelude::*;
use model::{Attachment, Document, Opening, decode_base64};

#[component]
pub fn DocumentsPage() -> impl IntoView {
    let fetch = RecordFetch::new(vec![Search::all("DocumentReference")]);
    let list = Memo::new(move |_| fetch.with(|d| model::build(&d[0])));
    view! {
        <Section title="Documents" what="your documents" fetch>
            {move || {
                entry_list(
                    Words {
                        split: None,
                        none: "No documents are available in this portal.",
                        none_note: None,
                    },
                    list.get().map(|d| view! { <DocumentCard document=d/> }.into_any()),
                )
            }}
        </Section>
    }
}

#[component]
fn DocumentCard(document: Document) -> impl IntoView {
    let d = document;
    let title = d.description.clone().unwrap_or_else(|| d.kind.clone());
    let no_content = d.attachments.is_empty();
    view! {
        <li class="card">
            <h2 class="card-title">
                <bdi>{title.clone()}</bdi>
                {d.superseded.then(|| view! { <span class="tag">"Replaced by a newer version"</span> })}
            </h2>
            <dl class="summary-list">
                {row("Type", Some(d.kind.clone()))}
                {d.date.map(|date| view! { <div class="summary-row"><dt>"Date"</dt><dd><DateText date/></dd></div> })}
                {row("Written by", d.author)}
            </dl>
            {no_content.then(|| view! { <p class="hint">"The document itself is not available in this portal."</p> })}
            {d.attachments.into_iter().enumerate().map(|(i, a)| view! { <AttachmentView attachment=a name=format!("{}-{}", slug(&title), i + 1)/> }).collect_view()}
            <AboutThisItem reference=Some(format!("DocumentReference/{}", d.id)).filter(|_| !d.id.is_empty()) name=title.clone()/>
        </li>
    }
}

fn slug(title: &str) -> String {
    let s: String = title
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    s.split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

fn extension(content_type: &str) -> &'static str {
    match content_type.split(';').next().unwrap_or_default().trim() {
        "text/plain" => "txt",
        "application/pdf" => "pdf",
        "text/html" => "html",
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "application/xml" | "text/xml" => "xml",
        _ => "bin",
    }
}

#[component]
fn AttachmentView(attachment: Attachment, name: String) -> impl IntoView {
    let bytes = attachment.data.as_deref().and_then(decode_base64);
    let Some(bytes) = bytes else {
        // Content held elsewhere: only a link on this portal's own origin is offered.
        let local = attachment
            .url
            .as_deref()
            .and_then(api::address::same_origin_path);
        return match local {
            Some(url) => view! { <p><a href=url download=format!("{name}.{}", extension(&attachment.content_type))>"Download the document"</a></p> }.into_any(),
            None => view! { <p class="hint">"The document itself is not available in this portal."</p> }.into_any(),
        };
    };
    let filename = format!("{name}.{}", extension(&attachment.content_type));
    let label = attachment
        .title
        .clone()
        .unwrap_or_else(|| "the document".into());
    match attachment.opening {
        Opening::Text => {
            let shown = RwSignal::new(false);
            let text = String::from_utf8_lossy(&bytes).into_owned();
            view! {
                <button type="button" class="button secondary" aria-expanded=move || shown.get().to_string()
                    on:click=move |_| shown.update(|s| *s = !*s)>
                    {move || if shown.get() { "Hide the document" } else { "Read the document" }}
                </button>
                {move || shown.get().then(|| view! { <pre class="document-text" tabindex="0" aria-label=label.clone()>{text.clone()}</pre> })}
            }
            .into_any()
        }
        Opening::Pdf => {
            let failed = RwSignal::new(false);
            let for_save = bytes.clone();
            view! {
                <div class="button-group tight">
                    <button type="button" class="button secondary" on:click=move |_| failed.set(!download::open_pdf(&bytes))>
                        "Open the PDF"
                    </button>
                    <button type="button" class="link-button" on:click=move |_| { download::save(&for_save, &filename); }>
                        "Download it instead"
                    </button>
                </div>
                {move || failed.get().then(|| view! { <p class="field-error">"Your browser blocked the new tab. Use “Download it instead”."</p> })}
            }
            .into_any()
        }
        Opening::Download => view! {
            <p class="hint">"This document cannot be shown in the portal. You can save it and open it on your device."</p>
            <button type="button" class="button secondary" on:click=move |_| { download::save(&bytes, &filename); }>
                "Download the document"
            </button>
        }
        .into_any(),
    }
}
