/*
 * test_schema.c: the generated tables (compiler/schema_data.c,
 * compiler/iam_data.c) and their lookups: sorted as the binary searches
 * need, and the answers `hitc deploy`, lint and `allow` rely on.
 */
#include <strings.h>

#include "check.h"
#include "iam_table.h"
#include "schema.h"

static void types_and_shapes_are_sorted(void)
{
    for (uint32_t i = 1; i < schema_ntypes; i++)
        CHECK(strcmp(schema_str(schema_types[i - 1].name),
                     schema_str(schema_types[i].name)) < 0);
    for (uint32_t s = 1; s < schema_nshapes; s++) {
        const SchemaShape *sh = &schema_shapes[s];
        for (uint32_t k = 1; k < sh->nprops; k++)
            CHECK(strcmp(schema_str(schema_props[sh->props + k - 1].name),
                         schema_str(schema_props[sh->props + k].name)) < 0);
    }
    for (uint32_t i = 1; i < schema_ngroups; i++)
        CHECK(schema_groups[i - 1].shape < schema_groups[i].shape);
}

static void types_properties_and_attributes(void)
{
    const SchemaType *q = schema_type("AWS::SQS::Queue");
    REQUIRE(q != NULL);
    CHECK(schema_type("AWS::DynamoDB::Tabel") == NULL);
    const SchemaShape *s = schema_type_shape(q);
    const SchemaProp *vt = schema_prop(s, "VisibilityTimeout");
    CHECK(vt && vt->types == SCHEMA_T_INTEGER);
    CHECK(schema_prop(s, "VisibilityTimeot") == NULL);
    CHECK(s->flags & SCHEMA_CLOSED);
    const SchemaProp *tags = schema_prop(s, "Tags");
    CHECK(tags && (tags->flags & SCHEMA_P_ITEMS_SHAPE));
    const SchemaProp *value = schema_prop(schema_prop_shape(tags), "Value");
    CHECK(value && (value->flags & SCHEMA_P_REQUIRED));
    CHECK(schema_has_attr(q, "Arn") && schema_has_attr(q, "QueueUrl"));
    CHECK(!schema_has_attr(q, "DomainEndpoint"));
    const SchemaType *db = schema_type("AWS::RDS::DBCluster");
    CHECK(db && schema_has_attr(db, "Endpoint.Address"));
    CHECK(schema_has_attr(schema_type("AWS::CloudFormation::Stack"), "Outputs.Url"));
    /* Custom:: and modules, as cfn-lint reads them */
    const SchemaType *c = schema_type("Custom::Anything");
    CHECK(c && schema_has_attr(c, "Whatever"));
    CHECK(schema_prop(schema_type_shape(c), "ServiceToken") != NULL);
    CHECK(schema_type("My::Org::Thing::MODULE") != NULL);
    const SchemaProp *pkg = schema_prop(
        schema_type_shape(schema_type("AWS::Lambda::Function")), "PackageType");
    CHECK(pkg && pkg->enumset && schema_enum_has(pkg, "Zip"));
    CHECK(pkg && !schema_enum_has(pkg, "zip"));
}

/* What `hitc deploy` asks to tell a replacement from a change. */
static void create_only_and_stateful(void)
{
    CHECK(schema_create_only("AWS::SQS::Queue", "QueueName"));
    CHECK(schema_create_only("AWS::SQS::Queue", "FifoQueue"));
    CHECK(!schema_create_only("AWS::SQS::Queue", "VisibilityTimeout"));
    CHECK(schema_create_only("AWS::DynamoDB::Table", "TableName"));
    /* KeySchema replaces the table only under conditions */
    CHECK(!schema_create_only("AWS::DynamoDB::Table", "KeySchema"));
    CHECK(schema_maybe_create_only("AWS::DynamoDB::Table", "KeySchema"));
    /* dotted paths: under a createOnly one, not above it; '*' items */
    CHECK(schema_create_only("AWS::BCMDataExports::Export", "Export.Name"));
    CHECK(!schema_create_only("AWS::BCMDataExports::Export", "Export"));
    CHECK(schema_create_only("AWS::MSK::Replicator",
                             "ReplicationInfoList.0.SourceKafkaClusterArn"));
    CHECK(!schema_create_only("AWS::MSK::Replicator", "ReplicationInfoList.0"));
    CHECK(!schema_create_only("AWS::MSK::Replicator",
                              "ReplicationInfoList.0.TopicReplication"));
    CHECK(schema_create_only("Custom::Thing", "ServiceToken"));
    CHECK(!schema_create_only("AWS::Nothing::Here", "Name"));
    CHECK(schema_stateful("AWS::DynamoDB::Table"));
    CHECK(schema_stateful("AWS::S3::Bucket"));
    CHECK(!schema_stateful("AWS::Lambda::Function"));
    CHECK(!schema_stateful("AWS::Nothing::Here"));
}

static void iam_actions(void)
{
    for (uint32_t i = 1; i < iam_nservices; i++)
        CHECK(strcmp(iam_services[i - 1].name, iam_services[i].name) < 0);
    const IamService *d = iam_service("dynamodb", 8);
    REQUIRE(d != NULL);
    CHECK(iam_service("dynamo", 6) == NULL);
    char a[IAM_NAME_MAX], b[IAM_NAME_MAX];
    for (uint32_t i = 1; d && i < d->n; i++) {
        iam_action(d, i - 1, a);
        iam_action(d, i, b);
        CHECK(strcasecmp(a, b) < 0);
    }
    int i = d ? iam_find(d, "GetItem") : -1;
    CHECK(i >= 0);
    CHECK(d && iam_find(d, "getitem") == i);
    CHECK(d && iam_find(d, "GetItems") < 0);
    CHECK(i >= 0 && iam_action(d, (uint32_t)i, a));  /* takes a table ARN */
    CHECK_STR(a, "GetItem");
    const IamService *ec2 = iam_service("ec2", 3);
    int di = ec2 ? iam_find(ec2, "DescribeInstances") : -1;
    CHECK(di >= 0 && !iam_action(ec2, (uint32_t)di, a));    /* only "*" */
    CHECK(iam_glob("Get*", "GetItem") && iam_glob("?etItem", "getitem"));
    CHECK(!iam_glob("Gett*", "GetItem"));
}

int main(void)
{
    RUN(types_and_shapes_are_sorted);
    RUN(types_properties_and_attributes);
    RUN(create_only_and_stateful);
    RUN(iam_actions);
    return check_summary();
}
