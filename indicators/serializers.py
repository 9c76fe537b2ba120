"""The action plan's indicators as the API gives them."""

from rest_framework import serializers


class TrendPointSerializer(serializers.Serializer):
    date = serializers.DateField()
    value = serializers.FloatField()


class KpiSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    value = serializers.FloatField()
    target = serializers.FloatField()
    unit = serializers.CharField(allow_blank=True, help_text='"%" for a share, blank for a count.')
    met = serializers.BooleanField()
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField(allow_null=True)
    how = serializers.CharField(help_text="How the value is computed from the data.")
    detail = serializers.ListField(child=serializers.CharField())
    trend = serializers.SerializerMethodField()

    def get_trend(self, kpi) -> list[dict]:
        return TrendPointSerializer([{"date": day, "value": value} for day, value in kpi.trend], many=True).data
