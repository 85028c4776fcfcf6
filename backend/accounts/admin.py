"""Django admin for accounts. Staff accounts are created here (or with ``create_staff``), both
through ``services.staff_create``; changes to an account are saved through ``user_admin_save``
so they are audited."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from backend.accounts import services
from backend.accounts.models import Device, Organisation, Role, User
from backend.core.errors import AppError
from backend.core.logging import mask_phone


def _apply_app_error(form: forms.Form, error: AppError) -> None:
    for field, field_messages in (error.fields or {"__all__": [error.message]}).items():
        target = field if field in form.fields else None
        for message in field_messages:
            form.add_error(target, message)


class StaffCreationForm(forms.ModelForm):
    """The admin "add user" form: staff only (workers sign up in the app)."""

    role = forms.ChoiceField(
        choices=[(r.value, r.label) for r in services.STAFF_CREATABLE_ROLES], label=_("Role")
    )
    password1 = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)
    password2 = forms.CharField(
        label=_("Password (again)"), strip=False, widget=forms.PasswordInput
    )
    sectors_text = forms.CharField(
        label=_("Sectors"),
        required=False,
        help_text=_("Comma-separated, e.g. fishing, construction"),
    )
    organisation_name = forms.CharField(
        label=_("Organisation"),
        required=False,
        help_text=_("Caseworkers: the NGO's name; it is created if it does not exist yet."),
    )

    class Meta:
        model = User
        fields = ["username", "display_name", "country", "region"]

    def _sectors(self) -> list[str]:
        return [
            s.strip() for s in self.cleaned_data.get("sectors_text", "").split(",") if s.strip()
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        try:
            self.staff_data = services.staff_validate(
                role=cleaned.get("role", ""),
                username=cleaned.get("username", ""),
                country=cleaned.get("country", ""),
                region=cleaned.get("region", ""),
                sectors=self._sectors(),
                organisation_name=cleaned.get("organisation_name", ""),
            )
        except AppError as exc:
            _apply_app_error(self, exc)
        if cleaned.get("password1"):
            try:
                validate_password(cleaned["password1"], User(username=cleaned.get("username", "")))
            except ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned

    def _post_clean(self):
        """The instance is built by ``staff_create``; skip ModelForm's model validation."""

    def staff_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "role": data["role"],
            "username": data["username"],
            "password": data["password1"],
            "country": data.get("country", ""),
            "region": data.get("region", ""),
            "sectors": self._sectors(),
            "organisation_name": data.get("organisation_name", ""),
            "display_name": data.get("display_name", ""),
        }


class AccountChangeForm(UserChangeForm):
    """Changing an account: the same role rules as at creation (inspector → country, …)."""

    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role")
        if role == Role.INSPECTOR and not cleaned.get("country"):
            self.add_error("country", _("An inspector needs a country (their jurisdiction)."))
        if role == Role.NGO_CASEWORKER and not cleaned.get("organisation"):
            self.add_error("organisation", _("A caseworker needs an organisation."))
        return cleaned


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = AccountChangeForm
    add_form = StaffCreationForm
    list_display = [
        "username_masked",
        "role",
        "display_name",
        "country",
        "organisation",
        "is_active",
    ]
    list_filter = ["role", "is_active", "is_staff", "country"]
    search_fields = ["username", "display_name"]
    ordering = ["username"]
    readonly_fields = ["phone", "phone_verified_at", "date_joined", "last_login", "updated_at"]
    list_select_related = ["organisation"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("Profile"),
            {"fields": ("display_name", "preferred_language", "phone", "phone_verified_at")},
        ),
        (
            _("Role and jurisdiction"),
            {"fields": ("role", "country", "region", "sectors", "organisation")},
        ),
        (
            _("Access"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined", "updated_at")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "role",
                    "username",
                    "display_name",
                    "password1",
                    "password2",
                    "country",
                    "region",
                    "sectors_text",
                    "organisation_name",
                ),
            },
        ),
    )

    @admin.display(description=_("Username"), ordering="username")
    def username_masked(self, obj: User) -> str:
        """Workers' usernames are their phone numbers: show them masked in lists."""
        return mask_phone(obj.username) if obj.is_worker else obj.username

    def save_model(self, request, obj, form, change):
        if change:
            services.user_admin_save(actor=request.user, user=obj, changed_fields=form.changed_data)
            return
        created = services.staff_create(actor=request.user, via="admin", **form.staff_kwargs())
        obj.pk = created.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        if change:
            super().save_related(request, form, formsets, change)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "created_at"]
    search_fields = ["name"]


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "name", "created_at", "last_seen_at", "revoked_at"]
    list_filter = ["revoked_at"]
    list_select_related = ["user"]
    readonly_fields = ["user", "name", "created_at", "updated_at", "last_seen_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Sign the selected devices out"))
    def revoke(self, request, queryset):
        for device in queryset.filter(revoked_at__isnull=True):
            services.device_revoke(actor=request.user, device=device)
        self.message_user(request, _("The devices were signed out."), messages.SUCCESS)
