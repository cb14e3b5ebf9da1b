"""Live chat (弹幕) over WebSockets at /ws/live/<room>/: see docs/live.md for the protocol and the
fan-out design (rongmei.live.chat.hub)."""
