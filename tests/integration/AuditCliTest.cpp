// The DPO's side over HTTP against a real node and PostgreSQL (see AuditCliTest cases).
#define BOOST_TEST_MODULE audit_cli
#include <boost/test/unit_test.hpp>

#include "NodeFixture.h"

using namespace regfed::test;

BOOST_AUTO_TEST_CASE(placeholder_until_the_suite_lands) { BOOST_TEST(true); }
