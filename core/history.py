"""Who made a change and why, for the history every versioned model keeps (django-simple-history).

The one way to say it: `record_history(instance, user=..., reason=...)` before the instance is saved
(one by one, or by `bulk_create_with_history`/`bulk_update_with_history`, which read the same two
things from each instance). Nothing else sets simple-history's private attributes."""

from __future__ import annotations


def record_history(instance, *, user=None, reason: str = ""):
    """Have the next save of `instance` recorded as made by `user` (None: the request's user, through
    simple-history's middleware, or nobody for a management command) because of `reason`. Returns
    `instance`."""
    if user is not None:
        instance._history_user = user
    if reason:
        instance._change_reason = reason
    return instance
