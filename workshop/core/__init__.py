"""The pure core: rules, stage navigation, plan levels. No Flask, no database, no I/O."""
