"""Live class: the teacher starts a class, the class joins by code or QR code, follows and votes.

UI only: the rooms are ``classroom``, the page is ``ui.live_class_teacher``; a student's side of
the class is on Compare (``ui.live_class``). See ARCHITECTURE.md, "A live class".
"""

from ui.bootstrap import ensure_app_navigation
from ui.live_class_teacher import live_class_page

ensure_app_navigation()  # a deep link on a fresh server: serve it through app.py's navigation
live_class_page()
