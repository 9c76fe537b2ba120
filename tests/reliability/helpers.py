def admin_form_data(client, url: str, **changes) -> dict:
    """What the admin's change form at `url` would post unchanged (its version included), with changes."""
    form = client.get(url).context["adminform"].form
    fields = {name: form[name].value() for name in form.fields}
    return {**{name: "" if item is None else item for name, item in fields.items()}, **changes}
