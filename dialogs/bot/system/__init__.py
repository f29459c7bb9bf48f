"""The system chat flows (fixed structure; staff may reword their messages)."""
