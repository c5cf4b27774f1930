"""Question banks: loading with line numbers, validation, import and export."""
