from __future__ import annotations

from rest_framework import serializers

from anxin.areas.models import Area, Place


class AreaSerializer(serializers.ModelSerializer[Area]):
    parent_code = serializers.CharField(source="parent.code", read_only=True, default=None)

    class Meta:
        model = Area
        fields = [
            "id",
            "level",
            "code",
            "name",
            "name_en",
            "parent",
            "parent_code",
            "path",
            "depth",
            "centroid_lat",
            "centroid_lng",
            "address",
            "households",
        ]
        read_only_fields = fields


class AreaDetailSerializer(AreaSerializer):
    class Meta(AreaSerializer.Meta):
        fields = [*AreaSerializer.Meta.fields, "geometry"]
        read_only_fields = fields


class PlaceSerializer(serializers.ModelSerializer[Place]):
    area_code = serializers.CharField(source="area.code", read_only=True)

    class Meta:
        model = Place
        fields = ["id", "name", "kind", "geometry", "lat", "lng", "area", "area_code", "address"]
        read_only_fields = fields


class ResolveQuerySerializer(serializers.Serializer[dict[str, float]]):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lng = serializers.FloatField(min_value=-180, max_value=180)
