// Varlink's messages are JSON values: every user of the protocol layer works with them,
// so the JSON module comes with it.
@_exported import JSON
