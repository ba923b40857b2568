"""The realtime edge: Socket.IO handlers, rooms and broadcasts, and the state snapshots."""
