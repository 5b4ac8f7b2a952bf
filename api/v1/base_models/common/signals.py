from core.cache import watch

from .models import Currency, Status, TaxCategory, TaxJurisdiction, TaxRate, UnitOfMeasure

# Reference data served through core.cache.CachedReadMixin.
for model in (Currency, Status, UnitOfMeasure, TaxJurisdiction, TaxCategory, TaxRate):
    watch(model)
