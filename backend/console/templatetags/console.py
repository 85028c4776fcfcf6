from django import template

register = template.Library()


@register.filter
def get(mapping, key):
    """``{{ errors|get:"__all__" }}``: a dict lookup with a key the template syntax cannot name."""
    if not mapping:
        return []
    return mapping.get(key, [])


@register.filter
def category_labels(codes) -> str:
    """``["withholding_of_wages"]`` → "Withholding of wages" (translated)."""
    from backend.complaints.models import Category

    labels = dict(Category.choices)
    return ", ".join(str(labels.get(code, code)) for code in codes or [])


@register.filter
def state_label(code) -> str:
    from backend.complaints.models import State

    return str(dict(State.choices).get(code, code))


@register.filter
def action_label(code) -> str:
    from backend.console.views.cases import ACTION_LABELS

    return str(ACTION_LABELS.get(code, code))
