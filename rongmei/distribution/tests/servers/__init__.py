"""Real servers and contract servers the adapter tests start on 127.0.0.1 (random ports)."""
