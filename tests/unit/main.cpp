#define BOOST_TEST_MODULE regfed_unit_tests
#include <boost/test/unit_test.hpp>
