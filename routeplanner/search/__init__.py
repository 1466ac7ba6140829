"""Searches on the network: loops, climbs and descents, workouts, scouting trips."""
