//! Requests belong to whoever is waiting for them. A screen runs its loads under a `Cancel`;
//! when it stops waiting (it was left, or a newer run replaced this one) every request still in
//! flight is aborted and none is started after. The owner is found while the load is polled, so
//! the API functions need no extra parameter and cannot forget to pass one.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use web_sys::AbortController;

#[derive(Clone, Default)]
pub struct Cancel(Rc<Inner>);

#[derive(Default)]
struct Inner {
    aborted: Cell<bool>,
    next_id: Cell<u64>,
    live: RefCell<Vec<(u64, AbortController)>>,
}

thread_local! {
    static CURRENT: RefCell<Option<Cancel>> = const { RefCell::new(None) };
}

impl Cancel {
    pub fn abort(&self) {
        self.0.aborted.set(true);
        for (_, controller) in self.0.live.take() {
            controller.abort();
        }
    }

    pub fn is_aborted(&self) -> bool {
        self.0.aborted.get()
    }

    /// Runs `load` with every request it sends belonging to this owner.
    pub fn run<F: Future>(&self, load: F) -> impl Future<Output = F::Output> + use<F> {
        Owned {
            owner: self.clone(),
            load: Box::pin(load),
        }
    }

    /// Registers one request's controller until the returned guard is dropped.
    pub(super) fn hold(&self, controller: &AbortController) -> Held {
        let id = self.0.next_id.get();
        self.0.next_id.set(id + 1);
        self.0.live.borrow_mut().push((id, controller.clone()));
        Held {
            owner: self.clone(),
            id,
        }
    }

    /// The owner of the load being polled now, if it has one.
    pub(super) fn current() -> Option<Cancel> {
        CURRENT.with(|c| c.borrow().clone())
    }
}

pub(super) struct Held {
    owner: Cancel,
    id: u64,
}

impl Drop for Held {
    fn drop(&mut self) {
        self.owner
            .0
            .live
            .borrow_mut()
            .retain(|(id, _)| *id != self.id);
    }
}

struct Owned<F: Future> {
    owner: Cancel,
    load: Pin<Box<F>>,
}

impl<F: Future> Future for Owned<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let previous = CURRENT.with(|c| c.replace(Some(self.owner.clone())));
        let outcome = self.load.as_mut().poll(cx);
        CURRENT.with(|c| c.replace(previous));
        outcome
    }
}
