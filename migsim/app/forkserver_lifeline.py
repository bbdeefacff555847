"""Imported by the app's fork server only (its preload): it ends with the app's server."""

from migsim.app.lifeline import end_with_parent

end_with_parent()
