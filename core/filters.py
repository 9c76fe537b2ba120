"""Filter pieces every API list shares: true/false parameters that refuse other words, and the
`ordering` every list checks the same way."""

from __future__ import annotations

import copy

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django_filters import rest_framework as drf_filters
from rest_framework.exceptions import ValidationError as ApiValidationError


class StrictBooleanField(forms.Field):
    """true/false (also 1/0, yes/no, any case); anything else is a 400 rather than a filter that
    quietly does nothing (django-filter reads "maybe" as "not given")."""

    widget = forms.TextInput
    WORDS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}

    def clean(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        try:
            return self.WORDS[str(value).strip().lower()]
        except KeyError:
            raise ValidationError("%(value)s is not true or false.", params={"value": value}) from None


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class _SharedFields(dict):
    """A filter form's fields, copied shallowly for each form: nothing changes a filter's field per
    request, and Django's deep copy of every field with its translated choices took ~3 ms a request."""

    def __deepcopy__(self, memo):
        return {name: copy.copy(field) for name, field in self.items()}


class FormClassOnce:
    """A filter set mixin: its form class is built once per filter set class, not on every request
    (django-filter builds every field, with its normalised choices, each time: ~3 ms a request), and
    its forms share the fields' choices and widgets.
    Only for filter sets whose fields do not depend on the request (no callable querysets)."""

    def get_form_class(self):
        # Keyed by the filters' names: a page may offer only some of the filter set's filters.
        cached = type(self).__dict__.get("_form_classes")
        if cached is None:
            cached = type(self)._form_classes = {}
        names = tuple(self.filters)
        if names not in cached:
            form_class = super().get_form_class()
            form_class.base_fields = _SharedFields(form_class.base_fields)
            cached[names] = form_class
        return cached[names]


class PortalFilterSet(FormClassOnce, drf_filters.FilterSet):
    """The base of the filter sets DRF builds from `filterset_fields`: booleans are strict."""

    FILTER_DEFAULTS = {
        **drf_filters.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": StrictBooleanFilter},
    }


class PortalFilterBackend(drf_filters.DjangoFilterBackend):
    """The filter set of every API list, and its order: `?ordering=` among the view's `ordering_fields`
    (each also descending, with "-"). A list without them has a fixed order. An ordering the list
    does not offer is a 400 naming those it does, never quietly ignored."""

    filterset_base = PortalFilterSet
    ordering_param = "ordering"

    def filter_queryset(self, request, queryset, view):
        self.refuse_unknown_parameters(request, queryset, view)
        ordering = self.get_ordering(request, queryset, view)
        queryset = super().filter_queryset(request, queryset, view)
        return queryset.order_by(*ordering) if ordering else queryset

    def refuse_unknown_parameters(self, request, queryset, view) -> None:
        """A list's query parameter it does not know (`?countyr=DEU`) is a 400 naming the ones it does:
        never a silently unfiltered answer."""
        if getattr(view, "action", "list") != "list":
            return
        unknown = sorted(set(request.query_params) - self.known_parameters(request, queryset, view))
        if unknown:
            known = ", ".join(sorted(self.known_parameters(request, queryset, view)))
            names = ", ".join(repr(name) for name in unknown)
            raise ApiValidationError({"parameters": [f"Unknown parameter(s) {names}: this list takes {known}."]})

    def known_parameters(self, request, queryset, view) -> set[str]:
        """The list's filters, its pagination's and ordering's parameters, and `format`."""
        filterset_class = self.get_filterset_class(view, queryset)
        known = set(filterset_class.base_filters) if filterset_class else set()
        paginator = getattr(view, "paginator", None)
        for attribute in ("cursor_query_param", "page_size_query_param", "limit_query_param", "offset_query_param"):
            if name := getattr(paginator, attribute, None):
                known.add(name)
        return known | {self.ordering_param, "format"}

    def get_ordering(self, request, queryset, view):
        """The requested order, or None for the list's own; cursor pagination asks for it too (DRF
        calls the `get_ordering` of a view's filter backend)."""
        requested = request.query_params.get(self.ordering_param, "").strip()
        if not requested or getattr(view, "action", "list") != "list":
            return None
        allowed = [order for field in getattr(view, "ordering_fields", ()) for order in (field, f"-{field}")]
        if requested in allowed:
            return (requested,)
        if allowed:
            message = f"Unknown ordering {requested!r}: this list can be ordered by {', '.join(allowed)}."
        else:
            message = "This list has a fixed order: remove the ordering parameter."
        raise ApiValidationError({self.ordering_param: [message]})
