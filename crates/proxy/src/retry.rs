//! The one retry of a request whose connection to its target was refused: the request was
//! never sent, so it is safe to try another healthy target of the route, once, provided the
//! client's body has not been read yet. Shared by plain forwarding and upgrades.

use std::sync::Arc;

use crate::request_body::BodySlot;
use crate::route::Route;
use crate::target::Target;

/// Whether a request may still be retried on another target.
pub(crate) struct Retry<'a> {
    route: &'a Route,
    slot: &'a BodySlot,
    retried: bool,
}

impl<'a> Retry<'a> {
    pub(crate) fn new(route: &'a Route, slot: &'a BodySlot) -> Self {
        Retry {
            route,
            slot,
            retried: false,
        }
    }

    /// True while another attempt may follow this one, so the request head must be kept.
    pub(crate) fn may_follow(&self) -> bool {
        !self.retried && self.route.targets().len() > 1
    }

    /// The connection to `target` failed with `error`: mark it unhealthy (the health
    /// monitor brings it back) and return the target to try next, if a retry is allowed.
    pub(crate) fn after_refused(
        &mut self,
        target: &Arc<Target>,
        error: &dyn std::fmt::Display,
    ) -> Option<Arc<Target>> {
        tracing::warn!(upstream = %target.addr(), app = self.route.app(), error = %error, "connect to target failed; marking unhealthy");
        target.set_healthy(false);
        if self.retried || !self.slot.untouched() {
            return None;
        }
        let next = self.route.pick_other(target)?;
        self.retried = true;
        Some(next)
    }
}
