"""Problems shoppers report from the public pages: to the cooperative and the authority."""
