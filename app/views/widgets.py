"""List widget whose record count says "more than N" when the count stopped at its bound."""
from flask_appbuilder.widgets import ListWidget

from .datamodel import take_count_capped


class BoundedCountListWidget(ListWidget):
    template = "adsheet/widgets/list.html"

    def __init__(self, **kwargs):
        # FAB builds the widget right after the datamodel counted this list's rows.
        kwargs.setdefault("count_capped", take_count_capped())
        super().__init__(**kwargs)
