"""Activities written the way a third party would, registered by the tests that use them."""
