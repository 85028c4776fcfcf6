"""Library messages that reach API clients, listed here so that ``makemessages`` copies them into
our catalogs. This module is read by xgettext only and never imported.

Django, DRF and simplejwt translate these themselves only in part: DRF has no catalog under the
code ``ne`` (only ``ne_NP``), simplejwt none for Thai, Indonesian or Nepali, so a worker would
get English in the middle of a Nepali screen. Our catalogs come first (``LOCALE_PATHS``), so our
plain wording also replaces the libraries' where they do have one.

Each string must be exactly the library's msgid, placeholders included; tests/core/test_i18n.py
checks that every one of them still occurs in the installed library, so an upgrade that rewords
a message shows up as a failing test rather than as silently untranslated text.
"""

from django.utils.translation import gettext_noop as _
from django.utils.translation import ngettext_lazy

DJANGO_REST_FRAMEWORK = (
    # rest_framework/exceptions.py
    _("Invalid input."),
    _("Malformed request."),
    _("Incorrect authentication credentials."),
    _("Authentication credentials were not provided."),
    _("You do not have permission to perform this action."),
    _("Not found."),
    _('Method "{method}" not allowed.'),
    _("Could not satisfy the request Accept header."),
    _('Unsupported media type "{media_type}" in request.'),
    # rest_framework/fields.py, serializers.py, relations.py
    _("This field is required."),
    _("This field may not be null."),
    _("Not a valid string."),
    _("This field may not be blank."),
    _("Ensure this field has no more than {max_length} characters."),
    _("Ensure this field has at least {min_length} characters."),
    _("This value does not match the required pattern."),
    _("Must be a valid UUID."),
    _("A valid integer is required."),
    _("A valid number is required."),
    _("Ensure this value is less than or equal to {max_value}."),
    _("Ensure this value is greater than or equal to {min_value}."),
    _("String value too large."),
    _("Ensure that there are no more than {max_digits} digits in total."),
    _("Ensure that there are no more than {max_decimal_places} decimal places."),
    _("Ensure that there are no more than {max_whole_digits} digits before the decimal point."),
    _("Datetime has wrong format. Use one of these formats instead: {format}."),
    _("Expected a datetime but got a date."),
    _("Date has wrong format. Use one of these formats instead: {format}."),
    _("Expected a date but got a datetime."),
    _("Must be a valid boolean."),
    _('"{input}" is not a valid choice.'),
    _('Expected a list of items but got type "{input_type}".'),
    _("This list may not be empty."),
    _("Ensure this field has at least {min_length} elements."),
    _("Ensure this field has no more than {max_length} elements."),
    _('Expected a dictionary of items but got type "{input_type}".'),
    _("Value must be valid JSON."),
    _("No file was submitted."),
    _("The submitted data was not a file. Check the encoding type on the form."),
    _("The submitted file is empty."),
    _("Invalid data. Expected a dictionary, but got {datatype}."),
    _('Invalid pk "{pk_value}" - object does not exist.'),
    _("Incorrect type. Expected pk value, received {data_type}."),
    # rest_framework/pagination.py
    _("Invalid page."),
    _("Invalid cursor"),
)

SIMPLEJWT = (
    _("Authorization header must contain two space-delimited values"),
    _("Given token not valid for any token type"),
    _("Token contained no recognizable user identification"),
    _("User not found"),
    _("User is inactive"),
    _("Token is invalid or expired"),
    _("Token is invalid"),
    _("Token is expired"),
    _("Token is blacklisted"),
    _("Token has wrong type"),
    _("Token has no type"),
    _("Token has no id"),
)

DJANGO_PASSWORD_VALIDATION = (
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        8,
    ),
    _("The password is too similar to the %(verbose_name)s."),
    _("This password is too common."),
    _("This password is entirely numeric."),
)
