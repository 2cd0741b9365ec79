"""Pages of the allocations app, one module per area (imports and exports of tables in `imports`)."""
