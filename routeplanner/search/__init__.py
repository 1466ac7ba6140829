"""Searches on the trail network: graph, loops, segments, workouts, scouting."""
