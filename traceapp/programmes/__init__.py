"""Support programmes: organisations, activities, participants and reach statistics."""
