from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from reference import api_examples
from reference.models import Country, Pollutant, Unit


@extend_schema_serializer(examples=[api_examples.COUNTRY])
class CountrySerializer(serializers.ModelSerializer):
    class Meta:
        model = Country
        fields = [
            "iso3",
            "iso2",
            "numeric",
            "name",
            "official_name",
            "kind",
            "un_member",
            "m49_region",
            "m49_subregion",
            "gsp_partnership",
        ]


@extend_schema_serializer(examples=[api_examples.POLLUTANT])
class PollutantSerializer(serializers.ModelSerializer):
    synonyms = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    members = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

    class Meta:
        model = Pollutant
        fields = [
            "id",
            "name",
            "slug",
            "cas_rn",
            "group",
            "is_pop",
            "is_obsolete_pesticide",
            "is_hhp",
            "flags_source",
            "members",
            "synonyms",
            "notes",
        ]


@extend_schema_serializer(examples=[api_examples.UNIT])
class UnitSerializer(serializers.ModelSerializer):
    aliases = serializers.SlugRelatedField(many=True, read_only=True, slug_field="alias")

    class Meta:
        model = Unit
        fields = ["code", "name", "kind", "factor_to_mg_kg", "aliases"]


@extend_schema_serializer(examples=[api_examples.TIER])
class HarmonisedClassSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
