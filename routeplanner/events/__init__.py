"""Group runs: event files, one route per pace group, regroup points."""
