from django.contrib import admin

from backend.agencies.models import Agency, Corridor


class CorridorInline(admin.TabularInline):
    model = Corridor
    extra = 1


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "country", "licence_number", "licence_status", "last_checked")
    list_filter = ("country", "licence_status")
    search_fields = ("name", "licence_number")
    inlines = [CorridorInline]
