"""Survey responses in the API, read-only: what curators (all responses) and focal points (their
country's) download for analysis."""

from rest_framework import serializers

from surveys.models import ResponseInstrument, ResponseLaboratory, ResponseValue, SurveyResponse


class ResponseValueSerializer(serializers.ModelSerializer):
    land_use = serializers.CharField(source="land_use.code", allow_null=True, default=None)
    tier = serializers.CharField(source="tier.code", allow_null=True, default=None)
    extraction = serializers.CharField(source="extraction.code", allow_null=True, default=None)

    class Meta:
        model = ResponseValue
        fields = [
            "id", "pollutant", "land_use", "land_use_label", "tier", "tier_label", "value", "unit", "ph_min",
            "ph_max", "texture", "extraction", "condition", "notes", "decision", "source_value", "accepted_value",
        ]  # fmt: skip


class ResponseInstrumentSerializer(serializers.ModelSerializer):
    values = ResponseValueSerializer(many=True)
    has_legal_text = serializers.SerializerMethodField()

    class Meta:
        model = ResponseInstrument
        fields = ["id", "title", "year", "instrument_type", "binding", "status", "url", "has_legal_text", "values"]

    def get_has_legal_text(self, instrument) -> bool:
        return bool(instrument.legal_text)


class ResponseLaboratorySerializer(serializers.ModelSerializer):
    class Meta:
        model = ResponseLaboratory
        fields = ["name", "city", "measures_metals", "measures_pesticides", "knows_sops", "uses_sops", "in_glosolan"]


class SurveyResponseSerializer(serializers.ModelSerializer):
    edition = serializers.IntegerField(source="edition.year")
    country = serializers.CharField(source="country.iso3")
    land_uses = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    instruments = ResponseInstrumentSerializer(many=True)
    laboratories = ResponseLaboratorySerializer(many=True)

    class Meta:
        model = SurveyResponse
        fields = [
            "id", "edition", "country", "status", "version", "situation", "land_uses", "covers_metals",
            "covers_pesticides", "covers_organics", "covers_other", "working_towards_adoption",
            "in_international_discussions", "needs_legislation", "needs_laboratories", "needs_funding",
            "needs_training", "needs_other", "comments", "instruments", "laboratories", "submitted_at",
            "accepted_at", "updated_at",
        ]  # fmt: skip
