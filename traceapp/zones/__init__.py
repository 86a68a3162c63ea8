"""Growing-area, packing-house, aquaculture and fishing-ground codes with their geometry."""
