"""migsim: an agent-based simulation of Northern Triangle family migration through Mexico."""
