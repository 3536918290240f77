"""Learning in Wagtail: module documents are served through the access rule."""

from wagtail import hooks

from learning.files import protect_module_documents

hooks.register("before_serve_document", protect_module_documents)
