package local.tests.registry;

import io.apicurio.common.apps.config.DynamicConfigPropertyList;
import java.util.List;
import javax.enterprise.inject.Produces;
import javax.inject.Singleton;

/**
 * Stands in for the Quarkus extension apicurio-common-app-components-config-index,
 * whose deployment artifact Maven Central does not serve: that extension lists,
 * at build time, the properties an admin may change while the registry runs.
 * The tests change none, so the list is empty and every property keeps the
 * value it was started with.
 */
@Singleton
public class EmptyConfigIndex {

    /** The registry's dynamic properties: none. */
    @Produces
    @Singleton
    DynamicConfigPropertyList dynamicConfigProperties() {
        return new DynamicConfigPropertyList(List.of());
    }
}
