from django.db import models


class Order(models.Model):
    customer = models.ForeignKey("accounts.Customer", on_delete=models.CASCADE)
    created_at = models.DateTimeField()
    note = models.TextField(null=True, help_text="free text from the customer")
    status = models.CharField(max_length=20, default="new")
    reference = models.CharField(max_length=40, null=True)


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE)
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT)
    quantity = models.PositiveIntegerField()
