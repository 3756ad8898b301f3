"""The demo election: the 2011 Israeli Labor Party leadership primary."""
