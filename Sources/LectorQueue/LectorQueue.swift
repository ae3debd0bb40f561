// The LectorQueue module; see DESIGN.md §3 for its concern.
