"""A live class (plain Python, no Streamlit): rooms, followers, votes, over one store interface.

``rooms`` is the domain (`Classroom`), ``store`` the three backends and ``open_store``.
"""

from .errors import ClassError, StoreUnavailable
from .rooms import (ALPHABET, CODE_LENGTH, Classroom, Room, Round, Tally, new_student_id,
                    normalize_code)
from .store import MemoryStore, RedisStore, SQLiteStore, Store, open_store, store_spec

__all__ = ["ClassError", "StoreUnavailable", "Classroom", "Room", "Round", "Tally", "new_student_id", "normalize_code",
           "ALPHABET", "CODE_LENGTH", "Store", "MemoryStore", "SQLiteStore", "RedisStore", "open_store", "store_spec"]
