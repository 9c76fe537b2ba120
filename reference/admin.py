from django.contrib import admin

from reference.models import (
    Country,
    ExtractionMethod,
    LabelTerm,
    LandUseClass,
    Pollutant,
    PollutantSynonym,
    Tier,
    Unit,
    UnitAlias,
)


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "iso3",
        "iso2",
        "kind",
        "m49_region",
        "m49_subregion",
        "gsp_partnership",
        "un_member",
    ]
    list_filter = ["kind", "m49_region", "gsp_partnership", "un_member"]
    search_fields = ["name", "official_name", "iso3", "iso2"]
    readonly_fields = ["iso3", "iso2", "numeric"]
    filter_horizontal = ["member_of"]


class PollutantSynonymInline(admin.TabularInline):
    model = PollutantSynonym
    extra = 1
    fields = ["name", "language", "added_by", "added_at", "added_note"]
    readonly_fields = ["added_by", "added_at", "added_note"]


@admin.register(Pollutant)
class PollutantAdmin(admin.ModelAdmin):
    list_display = ["name", "cas_rn", "group", "is_pop", "is_obsolete_pesticide", "is_hhp"]
    list_filter = ["group", "is_pop", "is_obsolete_pesticide", "is_hhp"]
    search_fields = ["name", "cas_rn", "synonyms__name"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["members"]
    inlines = [PollutantSynonymInline]
    readonly_fields = ["added_by", "added_at", "added_note"]


class UnitAliasInline(admin.TabularInline):
    model = UnitAlias
    extra = 1
    fields = ["alias", "added_by", "added_at", "added_note"]
    readonly_fields = ["added_by", "added_at", "added_note"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "factor_to_mg_kg"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "aliases__alias"]
    readonly_fields = ["factor_to_mg_kg"]
    inlines = [UnitAliasInline]


@admin.register(LandUseClass, Tier, ExtractionMethod)
class HarmonisedClassAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "sort_order"]
    search_fields = ["name", "code", "description"]


@admin.register(LabelTerm)
class LabelTermAdmin(admin.ModelAdmin):
    """The vocabulary: words of soil law that name a land use or a tier wherever they appear in a label."""

    list_display = ["term", "kind", "language", "land_use", "tier", "approximate", "source"]
    list_filter = ["kind", "language", "land_use", "tier", "approximate"]
    list_select_related = ["land_use", "tier"]
    search_fields = ["term", "note", "source"]
    fields = ["kind", "term", "language", "land_use", "tier", "approximate", "note", "source"]
