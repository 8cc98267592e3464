"""marshmallow 4 schemas, used only at the wire; one module per resource, and ``fastload``,
which loads what a schema accepts by a plan compiled from it (marshmallow still decides
every refusal)."""
