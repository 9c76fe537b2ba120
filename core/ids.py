"""Record ids in addresses: one to 18 digits, which every database's integer columns hold.

A longer number is no record's id, and SQLite raises OverflowError on it (a 500) instead of finding
nothing, so such an address matches no route and is a 404. Pages write `<id:pk>`; API viewsets set
`lookup_value_regex = ID_PATTERN`. ETags bound their numbers the same way.
"""

from django.urls import register_converter
from django.urls.converters import IntConverter

ID_PATTERN = r"[0-9]{1,18}"


class IdConverter(IntConverter):
    regex = ID_PATTERN


register_converter(IdConverter, "id")
