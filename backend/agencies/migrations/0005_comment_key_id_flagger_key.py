"""Master key id next to sealed comments (for rotation) and one flag per flagger per review."""

from django.db import migrations, models
from django.utils.crypto import salted_hmac

# Same salt and shape as backend.agencies.services.reviews.flagger_key (copied: a migration
# must not depend on code that may change later).
_FLAGGER_SALT = "fairtrail.agencies.review-flag"


def _key_id_of(sealed) -> str:
    if not sealed:
        return ""
    data = bytes(sealed)
    try:
        return data[1 : 1 + data[0]].decode("ascii")
    except UnicodeDecodeError:
        return ""


def backfill(apps, schema_editor):
    for name in ("Review", "ReviewRevision"):
        model = apps.get_model("agencies", name)
        rows = model.objects.filter(comment_sealed__isnull=False).only("id", "comment_sealed")
        for row in rows.iterator(chunk_size=1000):
            model.objects.filter(pk=row.pk).update(comment_key_id=_key_id_of(row.comment_sealed))
    flag_model = apps.get_model("agencies", "ReviewFlag")
    for flag in flag_model.objects.only("id", "flagged_by_id").iterator(chunk_size=1000):
        if flag.flagged_by_id is not None:
            value = f"user:{flag.flagged_by_id}"
            key = salted_hmac(_FLAGGER_SALT, value, algorithm="sha256").hexdigest()
        else:  # the address of an old anonymous flag was never stored: each counts once
            key = f"legacy:{flag.pk.hex}"
        flag_model.objects.filter(pk=flag.pk).update(flagger_key=key)


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0004_agency_rating_rank"),
    ]

    operations = [
        migrations.AddField(
            model_name="review",
            name="comment_key_id",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.AddField(
            model_name="reviewrevision",
            name="comment_key_id",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.AddField(
            model_name="reviewflag",
            name="flagger_key",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
