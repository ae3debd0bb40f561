// The LectorService module; see DESIGN.md §3 for its concern.
