// One identity-resolution event. Parameters: event_id (string). Columns: event (map).
MATCH (e:ResolutionEvent {event_id: $event_id})
RETURN properties(e) AS event
