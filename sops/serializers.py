from rest_framework import serializers

from sops.models import Laboratory, Sop, SopVersion


class SopVersionSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField()

    class Meta:
        model = SopVersion
        fields = ["version", "date", "status", "change_summary", "published_at", "download"]

    def get_download(self, version) -> str | None:
        """The document's address; null for a label that cannot be part of one (see SopVersion.download_url)."""
        request = self.context.get("request")
        path = version.download_url
        if not path:
            return None
        return request.build_absolute_uri(path) if request else path


class SopSerializer(serializers.ModelSerializer):
    pollutants = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    extraction = serializers.CharField(source="extraction.code", allow_null=True, default=None)
    languages = serializers.SerializerMethodField()
    versions = serializers.SerializerMethodField()
    developed_by = serializers.SerializerMethodField(help_text="Laboratories involved in developing it.")

    class Meta:
        model = Sop
        fields = [
            "code", "title", "scope", "analyte_group", "technique", "extraction", "pollutants", "languages",
            "developed_by", "versions", "is_demo",
        ]  # fmt: skip

    def get_developed_by(self, sop) -> list[str]:
        return sorted({item.laboratory.name for item in sop.engagements.all() if item.level == "developed"})

    def get_languages(self, sop) -> list[str]:
        return [code for code in sop.languages.split(",") if code]

    def get_versions(self, sop) -> list[dict]:
        """The versions the reader may see: the view prefetches sops.selectors.sop_versions_visible_to."""
        return SopVersionSerializer(sop.versions.all(), many=True, context=self.context).data


class LaboratorySerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.iso3")
    region = serializers.CharField()

    class Meta:
        model = Laboratory
        fields = ["id", "name", "institution", "country", "region", "glosolan_member", "accreditation", "is_demo"]


class LaboratoryWithContactsSerializer(LaboratorySerializer):
    class Meta(LaboratorySerializer.Meta):
        fields = [*LaboratorySerializer.Meta.fields, "contact_name", "contact_email", "contact_phone"]
