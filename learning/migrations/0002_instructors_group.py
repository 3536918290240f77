"""The "Instructors" group: admin access, upload rights, and page permissions on
the catalogue when one already exists (otherwise they are granted when the
catalogue page is created, see learning.permissions)."""

from django.db import migrations


def create_instructors(apps, schema_editor):
    from learning.permissions import (
        grant_instructor_page_permissions,
        setup_instructors_group,
    )

    setup_instructors_group(apps)
    CatalogPage = apps.get_model("learning", "CatalogPage")
    for catalog in CatalogPage.objects.all():
        grant_instructor_page_permissions(catalog, apps)


def remove_instructors(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Instructors").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("learning", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailadmin", "0006_formstate"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("wagtailmedia", "0005_alter_media_options"),
    ]

    operations = [migrations.RunPython(create_instructors, remove_instructors)]
